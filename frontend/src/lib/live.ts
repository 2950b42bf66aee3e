// One EventSource per page for the live feed of case changes (server-sent events).
export interface LiveCase {
  id: number;
  number: string;
  lon: number;
  lat: number;
  status: string;
  status_code: number;
  light: string;
  category_id: number | null;
  grid_code: string | null;
  action: string;
}

type Listener = (cases: LiveCase[]) => void;
type StateListener = (connected: boolean) => void;
const listeners = new Set<Listener>();
const stateListeners = new Set<StateListener>();
let source: EventSource | null = null;
let connected = false;

function setConnected(value: boolean) {
  connected = value;
  stateListeners.forEach((fn) => fn(value));
}

function open() {
  if (source) return;
  source = new EventSource("/api/v1/web/events");
  source.addEventListener("hello", () => setConnected(true));
  source.addEventListener("cases", (ev) => {
    const data = JSON.parse((ev as MessageEvent).data) as { cases: LiveCase[] };
    listeners.forEach((fn) => fn(data.cases));
  });
  // EventSource reconnects by itself, sending Last-Event-ID so nothing is missed.
  source.onerror = () => setConnected(false);
}

export function subscribe(fn: Listener, onState?: StateListener): () => void {
  listeners.add(fn);
  if (onState) {
    stateListeners.add(onState);
    onState(connected);
  }
  open();
  return () => {
    listeners.delete(fn);
    if (onState) stateListeners.delete(onState);
    if (listeners.size === 0 && source) {
      source.close();
      source = null;
      setConnected(false);
    }
  };
}
