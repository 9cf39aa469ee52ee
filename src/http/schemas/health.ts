/** `GET /api/health`. Shared with the web client. */
import { z } from 'zod';

export const healthSchema = z
  .object({
    status: z.literal('ok'),
    database: z.enum(['sqlite', 'postgres']),
  })
  .meta({ id: 'Health', description: '服务已就绪：数据库已迁移到最新（ready: the database schema is up to date）' });

export type Health = z.infer<typeof healthSchema>;
