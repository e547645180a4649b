import { ipKey } from './login-throttle.service';

describe('ipKey', () => {
  it('counts an IPv6 client by its /64, however the address is written', () => {
    expect(ipKey('2001:db8:abcd:12:1:2:3:4')).toBe('2001:db8:abcd:12::/64');
    expect(ipKey('2001:db8:abcd:12::99')).toBe('2001:db8:abcd:12::/64');
    expect(ipKey('2001:0DB8:ABCD:0012:ffff::1')).toBe('2001:db8:abcd:12::/64');
    expect(ipKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(ipKey('::1')).toBe('0:0:0:0::/64');
    expect(ipKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('keeps an IPv4 address as itself, IPv4-mapped or not', () => {
    expect(ipKey('203.0.113.7')).toBe('203.0.113.7');
    expect(ipKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(ipKey('0:0:0:0:0:ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(ipKey('::FFFF:cb00:7107')).toBe('203.0.113.7');
    expect(ipKey('64:ff9b::203.0.113.7')).toBe('203.0.113.7');
    expect(ipKey('64:ff9b::198.51.100.9')).toBe('198.51.100.9');
    expect(ipKey('::ffff:0:203.0.113.7')).toBe('203.0.113.7');
    expect(ipKey('::203.0.113.7')).toBe('203.0.113.7');
  });

  it('reads an address with a port or in brackets, as a proxy may forward it', () => {
    expect(ipKey('203.0.113.7:1234')).toBe('203.0.113.7');
    expect(ipKey('[2001:db8:abcd:12::1]:443')).toBe('2001:db8:abcd:12::/64');
    expect(ipKey('[2001:db8:abcd:12::1]')).toBe('2001:db8:abcd:12::/64');
    expect(ipKey('unknown')).toBe('unknown');
  });
});
