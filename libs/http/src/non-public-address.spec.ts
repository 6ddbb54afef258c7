import { isNonPublicAddress } from './non-public-address';

describe('the guard on tenant webhooks (IVR data dips, CRM lookups)', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '2001:db8::1'])(
    '%s is not public',
    (address) => expect(isNonPublicAddress(address)).toBe(true),
  );

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => expect(isNonPublicAddress(address)).toBe(false));

  it('refuses what is not an address', () => {
    expect(() => isNonPublicAddress('example.com')).toThrow(/not an IP address/);
  });
});
