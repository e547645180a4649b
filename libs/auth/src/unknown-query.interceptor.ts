import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/internal.js';
import { Reflector } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { validationFailed } from '@amparo/common';
import { ACCESS_KEY, AccessRule } from './access.decorator';

/**
 * A query string sent to a route that reads none is refused (400, each parameter named), as a body is with `NoBody`:
 * `POST /api/cases?dryRun=true` made a real case, `GET /api/users?role=attorney` listed everyone, and nothing said so.
 * Not on a public route (`/health`, the calendar feed: a monitor or a calendar app may add a parameter of its own, and
 * a feed that answers 400 stops updating without a word; sign-in and refresh too), and `_` on a read (the usual
 * cache-buster) is taken out of every query, a list's too. After the access guard: a stranger gets 401, not a lesson
 * in parameters.
 */
@Injectable()
export class UnknownQueryInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<{ method: string; query?: Record<string, unknown> }>();
      const read = request.method === 'GET' || request.method === 'HEAD';
      if (read && request.query && '_' in request.query) {
        // Taken out before the query's own validation sees it (Express parses `query` on every read: the request gets
        // a value of its own).
        const { _: _cacheBuster, ...rest } = request.query;
        Object.defineProperty(request, 'query', { value: rest, writable: true, configurable: true, enumerable: true });
      }
      const keys = Object.keys(request.query ?? {});
      if (keys.length > 0 && !this.readsQuery(context) && this.reflector.get<AccessRule | undefined>(ACCESS_KEY, context.getHandler())?.kind !== 'public') {
        throw validationFailed(Object.fromEntries(keys.map((k) => [k, ['is not a known field']])));
      }
    }
    return next.handle();
  }

  /** Whether the handler has a `@Query()` argument (route arguments are stored as `<type>:<index>` keys). */
  private readsQuery(context: ExecutionContext): boolean {
    const args: Record<string, unknown> = Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), context.getHandler().name) ?? {};
    return Object.keys(args).some((key) => Number(key.split(':')[0]) === RouteParamtypes.QUERY);
  }
}
