-- The whole solved block, written in the same transaction as its CANDIDATE row and before it is
-- submitted: a pool killed between the two (kill -9, power loss) finds the solution on restart and
-- submits it then, instead of losing a block whose fate nobody learned. Hex, because it reads the same
-- on H2 and PostgreSQL; 8,000,000 characters hold the largest block consensus allows (4,000,000 bytes).
CREATE TABLE block_solutions (
    block_hash  CHAR(64)          NOT NULL PRIMARY KEY REFERENCES blocks (block_hash),
    block_hex   VARCHAR(8000000)  NOT NULL
);
