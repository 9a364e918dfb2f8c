/**
 * Re-linking a conversation to a chunk: paste the id of a chunk found in the chunk browser (opened
 * on the conversation's document, when known). Posts to the page twin of link-chunk, which answers
 * 303 back to where the form was.
 */
export function RelinkForm(props: { conversationId: string; documentId?: string; back: 'orphans' | 'conversation' }) {
  const field = `chunk-${props.conversationId}`
  const browse = props.documentId ? `/chunks?document_id=${encodeURIComponent(props.documentId)}` : '/chunks'
  return (
    <form method="post" action={`/conversations/${props.conversationId}/link-chunk`} class="inline relink">
      <input type="hidden" name="back" value={props.back} />
      <label for={field}>Chunk id</label>
      <input id={field} type="text" name="chunk_id" required pattern="[0-9a-fA-F-]{36}" autocomplete="off" placeholder="from the chunk browser" />
      <button type="submit">Link</button> <a href={browse}>Find a chunk →</a>
    </form>
  )
}
