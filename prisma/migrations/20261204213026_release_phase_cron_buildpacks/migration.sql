-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "ReleaseStatus" ADD VALUE 'releasing';
ALTER TYPE "ReleaseStatus" ADD VALUE 'superseded';

-- AlterTable
ALTER TABLE "App" ADD COLUMN     "buildpacks" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "postdeployRanAt" TIMESTAMP(3),
ADD COLUMN     "releaseTimeout" INTEGER NOT NULL DEFAULT 1800;

-- AlterTable
ALTER TABLE "FormationEntry" ADD COLUMN     "setByUser" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Release" ADD COLUMN     "manifest" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "phaseOutput" TEXT;

-- CreateTable
CREATE TABLE "CronJob" (
    "id" UUID NOT NULL,
    "appId" UUID NOT NULL,
    "schedule" TEXT NOT NULL,
    "command" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "lastDueAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CronJob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CronRun" (
    "id" UUID NOT NULL,
    "jobId" UUID NOT NULL,
    "appId" UUID NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,
    "releaseVersion" INTEGER,
    "hostId" UUID,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "exitCode" INTEGER,
    "reason" TEXT,

    CONSTRAINT "CronRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CronJob_appId_idx" ON "CronJob"("appId");

-- CreateIndex
CREATE INDEX "CronRun_appId_dueAt_idx" ON "CronRun"("appId", "dueAt");

-- CreateIndex
CREATE UNIQUE INDEX "CronRun_jobId_dueAt_key" ON "CronRun"("jobId", "dueAt");

-- AddForeignKey
ALTER TABLE "CronJob" ADD CONSTRAINT "CronJob_appId_fkey" FOREIGN KEY ("appId") REFERENCES "App"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CronRun" ADD CONSTRAINT "CronRun_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "CronJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;
