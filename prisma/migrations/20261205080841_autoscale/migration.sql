-- AlterTable
ALTER TABLE "FormationEntry" ADD COLUMN     "autoscale" JSONB;

-- CreateTable
CREATE TABLE "AutoscaleEvent" (
    "id" UUID NOT NULL,
    "appId" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "from" INTEGER NOT NULL,
    "to" INTEGER NOT NULL,
    "metric" TEXT NOT NULL,
    "observed" DOUBLE PRECISION NOT NULL,
    "target" DOUBLE PRECISION NOT NULL,
    "reason" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AutoscaleEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AutoscaleEvent_appId_createdAt_idx" ON "AutoscaleEvent"("appId", "createdAt");

-- AddForeignKey
ALTER TABLE "AutoscaleEvent" ADD CONSTRAINT "AutoscaleEvent_appId_fkey" FOREIGN KEY ("appId") REFERENCES "App"("id") ON DELETE CASCADE ON UPDATE CASCADE;
