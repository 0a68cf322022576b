/** The argon2 binding, loaded on first use: most commands never hash a password, and start faster without it. */
const argon2 = (): Promise<typeof import('@node-rs/argon2')> => import('@node-rs/argon2');

/** argon2id with the library's defaults (m=19 MiB, t=2, p=1: OWASP's minimum), as a PHC string. */
export async function hashPassword(password: string): Promise<string> {
  return (await argon2()).hash(password);
}

/** True when the password matches the PHC string; never throws on a malformed hash. */
export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  try {
    return await (await argon2()).verify(phc, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/** Spends the time of one verification, so an unknown login answers as slowly as a wrong password. */
export async function burnVerification(password: string): Promise<void> {
  dummy ??= hashPassword('paydesk-no-such-operator');
  await verifyPassword(await dummy, password);
}
