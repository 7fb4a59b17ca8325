/** Response schema of the gate catalogue (GC1): every gate code a refusal can name, and what it takes. */
import { z } from 'zod';
import { EVENT_TYPES, GATE_CODES, gateCatalogue, STAGES, type GateCode } from '../../machines/opportunity';
import { documentSchema } from '../openapi/registry';

const gateGuardSchema = z.object({
  event: z.enum(EVENT_TYPES).meta({ description: 'An event this gate can refuse' }),
  stages: z.array(z.enum(STAGES)).meta({ description: 'The stages where that move is valid' }),
});

export const gateEntrySchema = documentSchema(
  'GateEntry',
  z
    .object({
      code: z.enum(GATE_CODES as [GateCode, ...GateCode[]]).meta({ description: 'The code `unmetGates` names' }),
      requirements: z
        .array(z.string())
        .meta({ description: 'The requirement IDs that define it (e.g. `Q1`, `E1`); none for `stage`' }),
      guards: z.array(gateGuardSchema).meta({
        description: 'The moves it guards: each event and the stages where that move is valid (every move for `stage`)',
      }),
      satisfiedBy: z.string().meta({ description: 'What makes it met, naming the values that count' }),
      recordedBy: z.array(z.string()).meta({ description: 'The events (or endpoints) that record what it checks' }),
    })
    .meta({ example: gateCatalogue().find((entry) => entry.code === 'contract_state') }),
);

export const gateCatalogueSchema = documentSchema(
  'GateCatalogue',
  z.object({ items: z.array(gateEntrySchema).meta({ description: 'One entry per gate code' }) }),
);
