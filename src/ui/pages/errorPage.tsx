/** A page for a request the viewer cannot answer (unknown customer, bad parameter). */
import { Layout, type PageContext } from './layout.js';

export function ErrorPage(props: { title: string; message: string; context?: PageContext }) {
  return (
    <Layout title={props.title} context={props.context}>
      <h1>{props.title}</h1>
      <p class="error" role="alert">
        {props.message}
      </p>
      <p>
        <a href="/ui/">Back to the customer search</a>
      </p>
    </Layout>
  );
}
