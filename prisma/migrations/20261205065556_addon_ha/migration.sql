-- AlterTable
ALTER TABLE "Addon" ADD COLUMN     "ha" BOOLEAN NOT NULL DEFAULT false;
