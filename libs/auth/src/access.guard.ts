import { ExecutionContext, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { forbidden } from '@amparo/common';
import { ACCESS_KEY, AccessRule } from './access.decorator';
import type { Principal } from './roles';

/** The global guard. Deny by default: a handler that declares no access rule is refused for everyone. */
@Injectable()
export class AccessGuard extends AuthGuard('jwt') {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.get<AccessRule | undefined>(ACCESS_KEY, context.getHandler());
    if (!rule) {
      this.logger.error(`${context.getClass().name}.${context.getHandler().name} declares no @Access rule: denied`);
      throw forbidden();
    }
    if (rule.kind === 'public') return true;
    await super.canActivate(context);
    const user = context.switchToHttp().getRequest<{ user: Principal }>().user;
    if (rule.kind === 'roles' && !rule.roles.includes(user.role)) throw forbidden();
    return true;
  }

  override handleRequest<T>(error: unknown, user: T): T {
    if (error || !user) throw error instanceof UnauthorizedException ? error : new UnauthorizedException('Authentication required');
    return user;
  }
}
