import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Random characters after an object's prefix. 24 base-62 characters carry about 143 bits, so ids
 * cannot be guessed, and one account's ids reveal nothing about another's.
 */
const ID_LENGTH = 24;

/** Bytes of randomness drawn from the system at a time: enough for 170 ids. */
const ENTROPY_BLOCK = 4096;
let entropy = Buffer.alloc(0);
let entropyUsed = 0;

/**
 * `n` random bytes, handed out from a block drawn with one `randomBytes` call, as Node's own
 * `randomUUID` does. A call per id costs far more than the bytes: under load it was about 5 % of a
 * create's CPU. The bytes are the same cryptographic randomness either way, and each byte is handed
 * out once: a new block is a new buffer, so a slice already returned is never written again.
 */
function randomChunk(n: number): Buffer {
  if (entropyUsed + n > entropy.length) {
    entropy = randomBytes(ENTROPY_BLOCK);
    entropyUsed = 0;
  }
  entropyUsed += n;
  return entropy.subarray(entropyUsed - n, entropyUsed);
}

/**
 * Bytes as base-62 characters, one each. 256 is not a multiple of 62, so the first characters are
 * very slightly more likely; for unguessability the bits matter, not perfect uniformity.
 */
function base62(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

/** The one id generator: `newId('ch')` → `ch_3fJ…`. */
export function newId(prefix: string): string {
  return `${prefix}_${base62(randomChunk(ID_LENGTH))}`;
}

/** Characters in a card's fingerprint, as in Stripe's. */
const FINGERPRINT_LENGTH = 16;

/**
 * A card's `fingerprint`, as Stripe gives it: the same for one card number every time it is used
 * in an account, so a client can tell two charges on one card; and different in another account,
 * so it reveals nothing across accounts. `card` names the card (oncepay's test cards are told
 * apart by brand and last four digits).
 */
export function cardFingerprint(account: string, card: string): string {
  return base62(createHash('sha256').update(`${account}\n${card}`).digest().subarray(0, FINGERPRINT_LENGTH));
}

/**
 * Longest id or token a client may name (a path id, `customer`, `source`, a list cursor); oncepay's
 * own are a few characters of prefix and ID_LENGTH more, so anything longer cannot exist.
 */
export const MAX_ID_LENGTH = 64;

/** True when `id` has the shape of an id with this prefix; anything else cannot exist. */
export function isIdOf(prefix: string, id: string): boolean {
  return id.length <= MAX_ID_LENGTH && new RegExp(`^${prefix}_[0-9A-Za-z]+$`).test(id);
}

/**
 * The account an API key stands for. Every distinct key is its own account; the id is a hash so
 * that logs and the database never hold the key itself.
 */
export function accountIdForKey(apiKey: string): string {
  return `acct_${createHash('sha256').update(apiKey).digest('hex').slice(0, 24)}`;
}
