/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The Python server serves the built app at `/`; during `npm run dev` the API is proxied to it.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "../src/molyte/web/static",
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      onwarn(warning, warn) {
        // 3Dmol.js evaluates callbacks given as strings; that is its own code, not ours.
        if (warning.code === "EVAL" && warning.id?.includes("3dmol")) return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: { "/api": process.env.MOLYTE_API ?? "http://127.0.0.1:8000" },
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
