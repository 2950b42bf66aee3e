// Load a heavy page (map, charts) only when it is opened.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n";

export function lazyPage<P extends object>(
  load: () => Promise<{ default: ComponentType<P> }>,
): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  return function Lazy(props: P) {
    const [C, setC] = useState<ComponentType<P> | null>(() => loaded);
    const [err, setErr] = useState<string | null>(null);
    useEffect(() => {
      if (loaded) return;
      load()
        .then((m) => {
          loaded = m.default;
          setC(() => m.default);
        })
        .catch((e) => setErr(String(e)));
    }, []);
    if (err) return <p class="error" role="alert">{err}</p>;
    if (!C) return <p class="muted" aria-busy="true">{t("common.loading")}</p>;
    return <C {...props} />;
  };
}
