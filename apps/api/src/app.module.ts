import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { AuditModule } from '@amparo/audit';
import { AuthModule } from '@amparo/auth';
import { CasesModule } from '@amparo/cases';
import { CryptoModule } from '@amparo/crypto';
import { ReferenceModule } from '@amparo/reference';
import { AllExceptionsFilter, Clock, CommonModule, createValidationPipe, loggerParams } from '@amparo/common';
import { AppConfig, ConfigModule } from '@amparo/config';
import { usePreparedStatements } from '@amparo/database';
import { dataSourceOptions } from './data-source';
import { HealthController } from './health.controller';
import { OrganizationController } from './organization.controller';

export interface AppModuleOptions {
  config: AppConfig;
  /** The resolved database URL (the embedded server's when DATABASE_URL is unset). */
  databaseUrl: string;
  clock?: Clock;
  /** Where logs go (tests capture them to prove no personal data is written); stdout by default. */
  logStream?: NodeJS.WritableStream;
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    usePreparedStatements(options.config.dbPreparedStatements);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(options.config),
        CommonModule.forRoot(options.clock),
        LoggerModule.forRoot(loggerParams(options.config.logLevel, options.logStream)),
        TypeOrmModule.forRoot({ ...dataSourceOptions(options.databaseUrl, options.config.dbPoolSize), retryAttempts: 3, retryDelay: 1000 }),
        AuthModule,
        CryptoModule,
        AuditModule,
        ReferenceModule,
        CasesModule,
      ],
      controllers: [HealthController, OrganizationController],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
