/** The point-in-time control and the two states it answers with (ComPilot time, our time). */
import type { AppliedEvent, PointInTimeView } from '../customerReport.js';
import { StateTable } from './stateTable.js';

export function PointInTimeForm(props: { customerHref: string; date: string; time: string }) {
  return (
    <form method="get" action={props.customerHref} class="inline-form point-in-time">
      <span class="field">
        <label for="date">Date (UTC)</label>
        <input id="date" name="date" type="date" value={props.date} required />
      </span>
      <span class="field">
        <label for="time">Time (UTC, optional)</label>
        <input id="time" name="time" type="time" step={1} value={props.time} />
      </span>
      <button type="submit">Show state at that moment</button>
      {props.date !== '' && <a href={props.customerHref}>Back to the current state</a>}
    </form>
  );
}

export function PointInTimeResult({ view }: { view: PointInTimeView }) {
  return (
    <div class="columns" role="status">
      <PointColumn
        heading={`In effect at ${view.at} (by ComPilot's effective time)`}
        state={view.byEffectiveTime.state}
        applied={view.appliedByEffectiveTime}
        total={view.byEffectiveTime.eventsInStream}
        id="pit-effective"
      />
      <PointColumn
        heading={`Known to this service at ${view.at} (by received time)`}
        state={view.byReceivedTime.state}
        applied={view.appliedByReceivedTime}
        total={view.byReceivedTime.eventsInStream}
        id="pit-received"
      />
    </div>
  );
}

function PointColumn(props: {
  heading: string;
  state: PointInTimeView['byEffectiveTime']['state'];
  applied: readonly AppliedEvent[];
  total: number;
  id: string;
}) {
  return (
    <section aria-labelledby={props.id} class="card">
      <h3 id={props.id}>{props.heading}</h3>
      <p>
        {props.applied.length} of {props.total} stored events applied.
      </p>
      {props.state ? (
        <StateTable state={props.state} caption="State at that moment" compact />
      ) : (
        <p class="notice">No state was recorded at that moment.</p>
      )}
      {props.applied.length > 0 && (
        <details>
          <summary>Events applied</summary>
          <ul class="plain">
            {props.applied.map((event) => (
              <li key={event.id}>
                <code>{event.type}</code> at position <code>{event.position}</code>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
