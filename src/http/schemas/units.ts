/** The unit directory (单位目录). Shared with the web client: imports nothing but zod and this folder's files. */
import { z } from 'zod';
import { idSchema, versionSchema } from '../../domain/vocabulary.ts';
import { UNIT_KINDS } from './plans.ts';

export const unitSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    name: z.string().describe('方案中使用的简称，如 区文旅局（the short name plans use）'),
    fullName: z.string().nullable().describe('全称，如 金山区文化和旅游局'),
    kind: z.enum(UNIT_KINDS).describe('委办局、镇、街道、国企等（bureau, town, subdistrict, …）'),
    isGroup: z
      .boolean()
      .describe('单位组，如 各区、县级市：方案以占位写法指代的一组单位（a group the plans name by a placeholder）'),
    aliases: z.array(z.string()).describe('文件中的其他写法，如 区经委（other names documents use）'),
  })
  .meta({ id: 'Unit', description: '单位（a unit）' });

export const unitListSchema = z.object({ items: z.array(unitSchema) });

const unitFields = {
  name: z.string().min(1).max(100).describe('简称（the short name plans use）'),
  fullName: z.string().max(200).nullable().optional().describe('全称'),
  kind: z.enum(UNIT_KINDS),
  aliases: z.array(z.string().min(1).max(100)).max(50).optional().describe('其他写法；给出时整体替换（replaces them）'),
};

export const createUnitBodySchema = z.strictObject(unitFields);

export const updateUnitBodySchema = z.strictObject({ version: versionSchema, ...unitFields });

export const unitIdParamsSchema = z.object({ id: idSchema });
