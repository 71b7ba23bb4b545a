// Live transfers from the other platform over Server-Sent Events; reconnects by itself (EventSource does).
import { available } from "./api.js";

export async function listenTransfers(onTransfer) {
  if (!(await available("/api/v1/linkage/transfers"))) return null;
  const source = new EventSource("/api/v1/linkage/stream", { withCredentials: true });
  source.addEventListener("transfer", (event) => {
    try {
      onTransfer(JSON.parse(event.data));
    } catch {
      // A malformed event is dropped; the inbox list reloads from the API anyway.
    }
  });
  return source;
}
