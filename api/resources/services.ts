import type { ServiceRow } from '../../db/schema';
import { iso } from './unreadable';

/** S2: one service of the catalogue. */
export const serviceResource = (s: ServiceRow) => ({
  id: s.id,
  code: s.code,
  name: s.name,
  description: s.description,
  active: s.active,
  createdAt: iso(s.createdAt),
  updatedAt: iso(s.updatedAt),
});

/** How a record that sells a service names it: its id, code and name. */
export const serviceRef = (s: Pick<ServiceRow, 'id' | 'code' | 'name'>) => ({ id: s.id, code: s.code, name: s.name });
