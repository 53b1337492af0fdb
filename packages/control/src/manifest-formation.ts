/**
 * A release's formation, from its process types and its app.json `formation`: new types get
 * app.json's quantity and size (or web=1, others 0); types never scaled by hand follow app.json;
 * `release` never gets an entry. The decision is core's `planFormation`; this writes it.
 */
import { planFormation, type FormationSpec, type ProcessTypes } from '@gantry/core';
import type { Prisma } from '@gantry/db';

type Tx = Prisma.TransactionClient;

export async function syncFormation(tx: Tx, appId: string, processTypes: ProcessTypes, manifestFormation?: Record<string, FormationSpec>): Promise<void> {
  const existing = await tx.formationEntry.findMany({ where: { appId } });
  const plan = planFormation(processTypes, existing, manifestFormation);
  // A type that mounts a volume not marked concurrent takes one writer: app.json cannot scale it
  // past one instance (ps:scale refuses the same, saying why: formation.ts).
  const oneWriter = new Set((await tx.volume.findMany({ where: { appId, concurrent: false, processType: { not: null } }, select: { processType: true } })).map((v) => v.processType!));
  for (const change of plan.update) if (oneWriter.has(change.type) && (change.quantity ?? 0) > 1) change.quantity = 1;
  if (plan.create.length) await tx.formationEntry.createMany({ data: plan.create.map((e) => ({ appId, ...e })) });
  for (const { type, ...change } of plan.update) {
    await tx.formationEntry.update({ where: { appId_type: { appId, type } }, data: change });
  }
}
