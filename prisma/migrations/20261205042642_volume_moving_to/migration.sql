-- AlterTable
ALTER TABLE "Volume" ADD COLUMN     "movingTo" UUID;
