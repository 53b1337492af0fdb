-- AlterTable
ALTER TABLE "App" ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'app';

-- CreateTable
CREATE TABLE "Volume" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "teamId" UUID NOT NULL,
    "hostId" UUID NOT NULL,
    "appId" UUID,
    "processType" TEXT,
    "mountPath" TEXT,
    "concurrent" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Volume_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Addon" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "plan" TEXT NOT NULL,
    "teamId" UUID NOT NULL,
    "appId" UUID NOT NULL,
    "volumeId" UUID NOT NULL,
    "backupAt" TEXT,
    "backupKeep" INTEGER NOT NULL DEFAULT 7,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Addon_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AddonAttachment" (
    "id" UUID NOT NULL,
    "addonId" UUID NOT NULL,
    "appId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AddonAttachment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Backup" (
    "id" UUID NOT NULL,
    "addonId" UUID,
    "addonName" TEXT NOT NULL,
    "teamId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "trigger" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "error" TEXT,
    "bytes" BIGINT,
    "sha256" TEXT,
    "location" TEXT,
    "verify" TEXT,
    "verifyDetail" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Backup_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Volume_name_key" ON "Volume"("name");

-- CreateIndex
CREATE INDEX "Volume_appId_idx" ON "Volume"("appId");

-- CreateIndex
CREATE UNIQUE INDEX "Addon_name_key" ON "Addon"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Addon_appId_key" ON "Addon"("appId");

-- CreateIndex
CREATE UNIQUE INDEX "Addon_volumeId_key" ON "Addon"("volumeId");

-- CreateIndex
CREATE UNIQUE INDEX "AddonAttachment_appId_name_key" ON "AddonAttachment"("appId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "AddonAttachment_addonId_appId_key" ON "AddonAttachment"("addonId", "appId");

-- CreateIndex
CREATE INDEX "Backup_addonId_idx" ON "Backup"("addonId");

-- CreateIndex
CREATE UNIQUE INDEX "Backup_addonName_number_key" ON "Backup"("addonName", "number");

-- AddForeignKey
ALTER TABLE "Volume" ADD CONSTRAINT "Volume_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Volume" ADD CONSTRAINT "Volume_appId_fkey" FOREIGN KEY ("appId") REFERENCES "App"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Addon" ADD CONSTRAINT "Addon_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Addon" ADD CONSTRAINT "Addon_appId_fkey" FOREIGN KEY ("appId") REFERENCES "App"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Addon" ADD CONSTRAINT "Addon_volumeId_fkey" FOREIGN KEY ("volumeId") REFERENCES "Volume"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AddonAttachment" ADD CONSTRAINT "AddonAttachment_addonId_fkey" FOREIGN KEY ("addonId") REFERENCES "Addon"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AddonAttachment" ADD CONSTRAINT "AddonAttachment_appId_fkey" FOREIGN KEY ("appId") REFERENCES "App"("id") ON DELETE CASCADE ON UPDATE CASCADE;
