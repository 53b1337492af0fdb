-- AlterTable
ALTER TABLE "Addon" ADD COLUMN     "backupScheduledAt" TIMESTAMP(3);
