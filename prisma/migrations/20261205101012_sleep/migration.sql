-- AlterTable
ALTER TABLE "FormationEntry" ADD COLUMN     "awakeSince" TIMESTAMP(3),
ADD COLUMN     "sleepAfter" INTEGER,
ADD COLUMN     "sleepingSince" TIMESTAMP(3);
