-- AlterTable
ALTER TABLE "App" ADD COLUMN     "deployBatch" INTEGER,
ADD COLUMN     "targetReleaseId" UUID;

-- AlterTable
ALTER TABLE "FormationEntry" ADD COLUMN     "constraints" JSONB NOT NULL DEFAULT '[]';

-- CreateTable
CREATE TABLE "Host" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "dockerUrl" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "cpus" DOUBLE PRECISION NOT NULL,
    "memoryBytes" BIGINT NOT NULL,
    "draining" BOOLEAN NOT NULL DEFAULT false,
    "managed" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Host_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Host_name_key" ON "Host"("name");
