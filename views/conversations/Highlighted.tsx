/**
 * Text with search terms marked. The server wraps matches in \u0002…\u0003 (characters nobody can
 * type, stripped from the source text first); here they become <mark> elements, and everything
 * else stays escaped text.
 */
export function Highlighted(props: { text: string }) {
  const parts = props.text.split(/(\u0002[^\u0003]*\u0003)/)
  return <>{parts.map((part) => (part.startsWith('\u0002') ? <mark>{part.slice(1, -1)}</mark> : part))}</>
}
