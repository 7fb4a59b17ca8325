import { pgEnum } from 'drizzle-orm/pg-core';
import { STAGES } from '../../machines/opportunity/vocabulary';

export const stageEnum = pgEnum('stage', STAGES);
