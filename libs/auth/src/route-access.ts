import { RequestMethod } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ACCESS_KEY, AccessRule, describeAccess } from './access.decorator';

const METHOD_NAMES: Record<number, string> = {
  [RequestMethod.GET]: 'GET',
  [RequestMethod.POST]: 'POST',
  [RequestMethod.PUT]: 'PUT',
  [RequestMethod.PATCH]: 'PATCH',
  [RequestMethod.DELETE]: 'DELETE',
  [RequestMethod.ALL]: 'ALL',
};

const join = (...parts: (string | undefined)[]) =>
  '/' +
  parts
    .flatMap((p) => (p ?? '').split('/'))
    .filter(Boolean)
    .join('/');

/** Every HTTP route with the access rule it declares: "GET /api/users admin,coordinator". */
export function listRouteAccess(discovery: DiscoveryService, scanner: MetadataScanner, reflector: Reflector): string[] {
  const lines: string[] = [];
  for (const wrapper of discovery.getControllers()) {
    const instance = wrapper.instance as object | undefined;
    if (!instance || !wrapper.metatype) continue;
    const base = reflector.get<string | string[]>('path', wrapper.metatype);
    const prototype = Object.getPrototypeOf(instance);
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      const path = reflector.get<string | string[]>('path', handler);
      const method = reflector.get<number>('method', handler);
      if (path === undefined || method === undefined) continue;
      const rule = reflector.get<AccessRule | undefined>(ACCESS_KEY, handler);
      for (const b of [base].flat()) {
        for (const p of [path].flat()) lines.push(`${METHOD_NAMES[method]} ${join(b, p)} ${describeAccess(rule)}`);
      }
    }
  }
  return lines.sort();
}
