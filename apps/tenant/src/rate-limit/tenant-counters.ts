export const COUNTER_STORE = Symbol.for('parley:tenant:counter-store');

/** Keys of the tenant service's counters, built in one place. */
export const counterKeys = {
  signupByAddress: (address: string): string => `tenant:ratelimit:signup:${address}`,
  /** A sign-in identity: the company slug and the email, whether or not either exists. */
  loginIdentity: (tenantSlug: string, email: string): string => `${tenantSlug}:${email}`,
};
