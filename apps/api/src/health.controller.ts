import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Access } from '@amparo/auth';

const HEALTH_SCHEMA = (status: string, database: string) => ({
  type: 'object',
  properties: { status: { type: 'string', enum: [status] }, database: { type: 'string', enum: [database] } },
  required: ['status', 'database'],
});

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  @Get()
  @Access('public')
  @ApiOkResponse({ description: 'The API and its database answer', schema: HEALTH_SCHEMA('ok', 'up') })
  @ApiServiceUnavailableResponse({ description: 'The database does not answer (within 2 s): the API recovers by itself when it does', schema: HEALTH_SCHEMA('degraded', 'down') })
  async health(@Res({ passthrough: true }) res: Response): Promise<{ status: string; database: 'up' | 'down' }> {
    try {
      await Promise.race([
        this.db.query('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
      ]);
      return { status: 'ok', database: 'up' };
    } catch {
      res.status(503);
      return { status: 'degraded', database: 'down' };
    }
  }
}
