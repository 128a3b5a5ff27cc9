/** Unix seconds, the form of every `created` on the wire, as Stripe's. */
export const unixSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
