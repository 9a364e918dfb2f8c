/** The From and To days of a filter (audit trail, error log, charts): `from`/`to` query fields, each a date input. */
export function DateRangeFields(props: { from?: string; to?: string; required?: boolean }) {
  return (
    <>
      <label>
        From
        <input type="date" name="from" value={props.from} required={props.required} />
      </label>
      <label>
        To
        <input type="date" name="to" value={props.to} required={props.required} />
      </label>
    </>
  )
}
