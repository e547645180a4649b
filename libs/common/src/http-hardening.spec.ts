import { firstDuplicateKey, verifyJsonBody } from './http-hardening';

describe('firstDuplicateKey', () => {
  it('names the first key given twice in one object, by its path', () => {
    expect(firstDuplicateKey('{"a":1,"a":2}')).toBe('a');
    expect(firstDuplicateKey('{"custody":{"bookingNumber":"B-1"},"custody":{"county":"Travis"}}')).toBe('custody');
    expect(firstDuplicateKey('{"client":{"lastName":"A","firstName":"B","lastName":"C"}}')).toBe('client.lastName');
    expect(firstDuplicateKey('{"adverseParties":[{"name":"A"},{"name":"B","name":"C"}]}')).toBe('adverseParties.1.name');
    expect(firstDuplicateKey('[{"x":1},{"x":1,"x":2}]')).toBe('1.x');
    // The same key spelled with an escape is the same key.
    expect(firstDuplicateKey('{"lastName":"A","last\\u004eame":"B"}')).toBe('lastName');
  });

  it('passes keys that repeat only across objects, and strings that look like keys', () => {
    expect(firstDuplicateKey('{"a":{"b":1},"c":{"b":2},"d":[{"b":1},{"b":2}]}')).toBeNull();
    expect(firstDuplicateKey('{"narrative":"{\\"a\\":1,\\"a\\":2}","note":"a \\\\ \\" } ] , :"}')).toBeNull();
    expect(firstDuplicateKey(' { "a" : [ 1 , -2.5e3 , true , false , null , "x" ] , "b" : { } , "c" : [ ] } ')).toBeNull();
    expect(firstDuplicateKey('"just a string"')).toBeNull();
    expect(firstDuplicateKey('42')).toBeNull();
  });

  it('leaves what is not JSON, or nested beyond what the validation takes, to the parser and the validation', () => {
    for (const text of ['', '{', '{"a":1,"a"', '{"a" 1,"a":2}', '{"a":1,,"a":2}', '{"a":"unterminated', '{a:1,a:2}', '{"a":"\\u12"}']) {
      expect([text, firstDuplicateKey(text)]).toEqual([text, null]);
    }
    const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    expect(firstDuplicateKey(deep)).toBeNull();
  });
});

describe('verifyJsonBody', () => {
  it('refuses a body that is not UTF-8, and one with a key given twice', () => {
    expect(() => verifyJsonBody(null, null, Buffer.from('{"lastName":"Jos\xe9 Pe\xf1a"}', 'latin1'))).toThrow(
      expect.objectContaining({ status: 400, type: 'body.not.utf8' }),
    );
    expect(() => verifyJsonBody(null, null, Buffer.from('{"a":1,"a":2}'))).toThrow(
      expect.objectContaining({ status: 400, type: 'body.duplicate.key', field: 'a', message: 'a is given twice' }),
    );
    expect(() => verifyJsonBody(null, null, Buffer.from('{"lastName":"José Peña"}', 'utf8'))).not.toThrow();
  });
});
