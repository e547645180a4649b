import { Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '@amparo/config';
import { UnknownQueryInterceptor } from './unknown-query.interceptor';
import { AccessGuard } from './access.guard';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { BootstrapService } from './bootstrap.service';
import { AuthSession, RefreshToken } from './entities/auth-session.entity';
import { Organization } from './entities/organization.entity';
import { User } from './entities/user.entity';
import { JwtStrategy } from './jwt.strategy';
import { AuthHousekeeping } from './auth-housekeeping.service';
import { LoginThrottleService } from './login-throttle.service';
import { PasswordService } from './password.service';
import { TokenService } from './token.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';
import { UserChanges } from './user-changes';

export const AUTH_ENTITIES = [Organization, User, AuthSession, RefreshToken];

@Module({
  imports: [
    DiscoveryModule,
    PassportModule,
    TypeOrmModule.forFeature(AUTH_ENTITIES),
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        secret: Buffer.from(config.secrets.jwtSecret, 'base64'),
        signOptions: {
          algorithm: 'HS256',
          expiresIn: config.auth.accessTtlSeconds,
          issuer: config.auth.issuer,
          audience: config.auth.audience,
        },
      }),
    }),
  ],
  controllers: [AuthController, UsersController],
  providers: [
    AuthService,
    UsersService,
    UserChanges,
    PasswordService,
    TokenService,
    LoginThrottleService,
    AuthHousekeeping,
    JwtStrategy,
    BootstrapService,
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_INTERCEPTOR, useClass: UnknownQueryInterceptor },
  ],
  exports: [AuthService, UsersService, PasswordService, UserChanges],
})
export class AuthModule {}
