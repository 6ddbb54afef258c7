import { callerE164, InvalidPhoneNumberError, maskPhoneNumber, toE164 } from './phone-number';

describe('maskPhoneNumber', () => {
  it.each([
    ['a Chinese mobile as typed', '13812345678', '138****5678'],
    ['a Chinese mobile in E.164', '+8613812345678', '+86 138****5678'],
    ['a NANP number', '+14155552671', '+1 415 ***-2671'],
    ['a UK London number (area code 20 kept)', '+442079460958', '+44 20****0958'],
    ['a UK mobile (its long prefix gives way to four hidden digits)', '+447911123456', '+44 79****3456'],
    ['a German Berlin number', '+493012345678', '+49 30****5678'],
    ['a French mobile', '+33612345678', '+33 6****5678'],
    ['a Hong Kong number (8 digits)', '+85221234567', '+852 2***4567'],
    ['a short service number', '95555', '***55'],
    ['a seven-digit local number', '5551234', '5****34'],
    ['a four-digit extension', '1234', '**34'],
  ])('%s: %s → %s', (_what, input, masked) => {
    expect(maskPhoneNumber(input)).toBe(masked);
  });

  it('hides exactly the middle digits and keeps the last four of every long number', () => {
    for (const n of ['+14155552671', '+8613812345678', '+442079460958', '+493012345678']) {
      const masked = maskPhoneNumber(n);
      expect(masked.endsWith(n.slice(-4))).toBe(true);
      expect((masked.match(/\*/g) ?? []).length).toBeGreaterThanOrEqual(3);
      expect(masked.replace(/\D/g, '').length).toBeLessThan(n.replace(/\D/g, '').length);
    }
  });

  it('never echoes what is not a number', () => {
    expect(maskPhoneNumber('anonymous')).toBe('unknown');
    expect(maskPhoneNumber('sip:alice@example.com')).toBe('unknown');
    expect(maskPhoneNumber('')).toBe('unknown');
  });
});

describe('toE164', () => {
  it('normalizes a typed number', () => {
    expect(toE164(' +86 138 1234 5678 ')).toBe('+8613812345678');
    expect(toE164('+1 (415) 555-2671')).toBe('+14155552671');
  });

  it('names what is wrong with a number that is not one', () => {
    expect(() => toE164('13812345678')).toThrow(new InvalidPhoneNumberError('must start with + and the country code, e.g. +8613812345678'));
    expect(() => toE164('+1 555 000')).toThrow(InvalidPhoneNumberError);
    expect(() => toE164('+hello')).toThrow(/is not a phone number/);
  });

  it('reads a caller number when it is one', () => {
    expect(callerE164('+14155552671')).toBe('+14155552671');
    expect(callerE164('anonymous')).toBeNull();
  });
});
