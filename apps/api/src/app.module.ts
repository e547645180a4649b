import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { AuthModule } from '@amparo/auth';
import { AllExceptionsFilter, Clock, CommonModule, createValidationPipe, loggerParams } from '@amparo/common';
import { AppConfig, ConfigModule } from '@amparo/config';
import { dataSourceOptions } from './data-source';
import { HealthController } from './health.controller';

export interface AppModuleOptions {
  config: AppConfig;
  /** The resolved database URL (the embedded server's when DATABASE_URL is unset). */
  databaseUrl: string;
  clock?: Clock;
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(options.config),
        CommonModule.forRoot(options.clock),
        LoggerModule.forRoot(loggerParams(options.config.logLevel)),
        TypeOrmModule.forRoot({ ...dataSourceOptions(options.databaseUrl), retryAttempts: 3, retryDelay: 1000 }),
        AuthModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
