import { crmUrlProblem } from './crm-addresses';

describe('CRM webhook addresses', () => {
  it('accepts a public https URL and names what is wrong with the others', () => {
    expect(crmUrlProblem('https://crm.example.com/pop?token=x', false)).toBeNull();
    expect(crmUrlProblem('http://crm.example.com/pop', false)).toBe('must be an https:// URL, not http://');
    expect(crmUrlProblem('https://user:pw@crm.example.com/', false)).toMatch(/credentials/);
    expect(crmUrlProblem('https://127.0.0.1:8443/pop', false)).toBe('points at 127.0.0.1, which is not a public address');
    expect(crmUrlProblem('https://[::1]/pop', false)).toMatch(/not a public address/);
    expect(crmUrlProblem('https://localhost/pop', false)).toMatch(/not a public name/);
    expect(crmUrlProblem('not a url', false)).toBe('is not a URL');
  });

  it('lets private addresses through only when allowed (tests, on-premises)', () => {
    expect(crmUrlProblem('https://127.0.0.1:8443/pop', true)).toBeNull();
    expect(crmUrlProblem('http://127.0.0.1:8443/pop', true)).toMatch(/https/);
  });
});
