import { defineConfig } from "vite";

// The build lands inside the Python package so `urbangrid serve` ships it; assets are
// served by FastAPI under /static/dist/ (see src/urbangrid/web/routes.py).
export default defineConfig({
  base: "/static/dist/",
  oxc: {
    jsx: { runtime: "automatic", importSource: "preact" },
  },
  build: {
    outDir: "../src/urbangrid/web/static/dist",
    emptyOutDir: true,
    target: "es2020",
    // maplibre-gl alone is ~800 kB; it is loaded only by the map pages.
    chunkSizeWarningLimit: 1200,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/login": "http://127.0.0.1:8000",
      "/logout": "http://127.0.0.1:8000",
    },
  },
});
