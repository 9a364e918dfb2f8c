import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// Phrase search ("customers days") on the GIN index alone finds every chunk holding all the words,
// then Postgres reads each one to check their positions: half the table for common words. The
// pairs of adjacent lexemes in a chunk's search text (positions as in `search`) answer "are these
// two words next to each other" from an index, so a phrase's candidates are the chunks that have
// its pairs. Stored, because GIN rechecks @> on every candidate and computing pairs costs ~40 µs.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create function lexeme_pairs(tsvector) returns text[] language sql immutable parallel safe as $$
    select coalesce(array_agg(distinct a.lexeme || ' ' || b.lexeme), '{}')
    from (select lexeme, unnest(positions) as p from unnest($1)) a
    join (select lexeme, unnest(positions) as p from unnest($1)) b on b.p = a.p + 1 $$`.execute(db)
  // The same positions as chunks.search (heading words, then the text); weights do not move them.
  await sql`alter table chunks add column phrase_pairs text[] generated always as (lexeme_pairs(
    to_tsvector('english'::regconfig, heading_words(heading_path)) || to_tsvector('english'::regconfig, text))) stored`.execute(db)
  await sql`create index chunks_phrase_pairs_idx on chunks using gin (phrase_pairs)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists chunks_phrase_pairs_idx`.execute(db)
  await sql`alter table chunks drop column phrase_pairs`.execute(db)
  await sql`drop function lexeme_pairs(tsvector)`.execute(db)
}
