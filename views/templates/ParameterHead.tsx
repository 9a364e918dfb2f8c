/** The columns of a template's parameters, in the form and on the template's page. */
export function ParameterHead(props: { valuesLabel: string }) {
  return (
    <thead>
      <tr>
        <th>Name</th>
        <th>Type</th>
        <th>Required</th>
        <th>Default</th>
        <th>{props.valuesLabel}</th>
        <th>Description</th>
      </tr>
    </thead>
  )
}
