/** `GET /api/me`: who the server takes the caller to be. Shared with the web client. */
import { z } from 'zod';

/** The roles of src/services/context.ts (`ROLES`); the route maps an `Actor` onto this, so the lists must agree. */
export const ROLE_CODES = [
  'office',
  'unit-reporter',
  'unit-approver',
  'leader',
  'supervisor',
  'public',
  'system-admin',
  'security-admin',
  'audit-admin',
] as const;

export type RoleCode = (typeof ROLE_CODES)[number];

export const currentActorSchema = z
  .object({
    userId: z.string(),
    workspaceId: z.string(),
    roles: z.array(z.enum(ROLE_CODES)),
    unitId: z.string().nullable().describe('单位角色所属单位（the unit of a unit role; null above the units）'),
  })
  .meta({ id: 'CurrentActor', description: '当前用户（the current actor）' });

export type CurrentActor = z.infer<typeof currentActorSchema>;
