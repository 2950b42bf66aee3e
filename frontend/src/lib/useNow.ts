import { useEffect, useState } from "preact/hooks";

/** The current time, refreshed every ``ms`` (countdowns tick without a reload). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}
