import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Random characters after an object's prefix. 24 base-62 characters carry about 143 bits, so ids
 * cannot be guessed, and one account's ids reveal nothing about another's.
 */
const ID_LENGTH = 24;

/** The one id generator: `newId('ch')` → `ch_3fJ…`. */
export function newId(prefix: string): string {
  const bytes = randomBytes(ID_LENGTH);
  let out = '';
  // 256 is not a multiple of 62, so the first characters are very slightly more likely; for
  // unguessability the 143 bits matter, not perfect uniformity.
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${out}`;
}

/** True when `id` has the shape of an id with this prefix; anything else cannot exist. */
export function isIdOf(prefix: string, id: string): boolean {
  return id.length <= 64 && new RegExp(`^${prefix}_[0-9A-Za-z]+$`).test(id);
}

/**
 * The account an API key stands for. Every distinct key is its own account; the id is a hash so
 * that logs and the database never hold the key itself.
 */
export function accountIdForKey(apiKey: string): string {
  return `acct_${createHash('sha256').update(apiKey).digest('hex').slice(0, 24)}`;
}
