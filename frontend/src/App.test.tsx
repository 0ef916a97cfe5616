import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setToken } from "./api/client";
import { App } from "./App";
import { installFakeServer } from "./testing/fakeServer";

const ME = { id: 1, username: "alice", role: "USER", active: true };
const LIBRARY = {
  salts: [{ name: "LiPF6", full_name: "lithium hexafluorophosphate", cation: "Li+", anion: "PF6-" }],
  solvents: [
    { name: "EC", full_name: "ethylene carbonate", smiles: "C1COC(=O)O1", density: 1.32, molar_mass: 88.06 },
    { name: "DMC", full_name: "dimethyl carbonate", smiles: "COC(=O)OC", density: 1.07, molar_mass: 90.08 },
  ],
};
const job = (id: number, state: string) => ({
  id,
  type: "MD",
  name: `run ${id}`,
  state,
  priority: 0,
  spec: {},
  owner: "alice",
  worker: null,
  scheduler_job_id: null,
  progress: null,
  failure_reason: null,
  attempts: 0,
  created_at: "2026-11-29T10:00:00Z",
  events: [],
});

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App />
    </MemoryRouter>,
  );
}

beforeEach(() => {
  sessionStorage.clear();
  localStorage.clear();
  setToken(null);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("sign-in", () => {
  it("posts the form, keeps the token and opens the job list", async () => {
    const calls = installFakeServer({
      "POST /api/v1/auth/login": () => ({
        json: { access_token: "tok-1", token_type: "bearer", expires_in: 3600 },
      }),
      "GET /api/v1/auth/me": () => ({ json: ME }),
      "GET /api/v1/jobs": () => ({ json: { items: [job(7, "RUNNING"), job(8, "COMPLETED")], total: 2 } }),
    });
    const { container } = renderAt("/jobs");
    const username = await waitFor(() => container.querySelector<HTMLInputElement>("input[name=username]")!);
    fireEvent.change(username, { target: { value: "alice" } });
    fireEvent.change(container.querySelector("input[name=password]")!, { target: { value: "secret" } });
    fireEvent.submit(username.form!);

    await screen.findByTestId("job-row-7");
    expect(calls.find((c) => c.path === "/api/v1/auth/login")!.body).toBe("username=alice&password=secret");
    expect(calls.find((c) => c.path.startsWith("/api/v1/jobs"))!.headers.get("Authorization")).toBe(
      "Bearer tok-1",
    );
    expect(sessionStorage.getItem("molyte.token")).toBe("tok-1");
    expect(document.title).toBe("Jobs · Molyte");
    expect(container.querySelector('[data-testid="job-row-7"] [data-state="RUNNING"]')).not.toBeNull();
    expect(container.querySelector('[data-testid="job-row-8"] [data-state="COMPLETED"]')).not.toBeNull();
    // A running job can be cancelled; a completed one cannot.
    expect(screen.queryByTestId("cancel-7")).not.toBeNull();
    expect(screen.queryByTestId("cancel-8")).toBeNull();
  });

  it("says so when the password is wrong", async () => {
    installFakeServer({
      "POST /api/v1/auth/login": () => ({ status: 401, json: { detail: "Incorrect username or password" } }),
    });
    const { container } = renderAt("/login");
    fireEvent.change(container.querySelector("input[name=username]")!, { target: { value: "alice" } });
    fireEvent.change(container.querySelector("input[name=password]")!, { target: { value: "nope" } });
    fireEvent.submit(container.querySelector("form")!);
    expect((await screen.findByTestId("login-error")).textContent).toBe("Incorrect username or password.");
  });

  it("goes back to sign-in with 'session expired' on a 401", async () => {
    setToken("old");
    installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: ME }),
      "GET /api/v1/jobs": () => ({ status: 401, json: { detail: "Could not validate credentials" } }),
    });
    renderAt("/jobs");
    expect(await screen.findByText("Your session expired. Please sign in again.")).toBeTruthy();
    expect(sessionStorage.getItem("molyte.token")).toBeNull();
  });
});

describe("new MD job", () => {
  it("shows the server's messages next to their fields and the system summary", async () => {
    setToken("tok");
    let invalid = true;
    const calls = installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: ME }),
      "GET /api/v1/library": () => ({ json: LIBRARY }),
      "POST /api/v1/jobs/validate": () =>
        invalid
          ? {
              status: 422,
              json: {
                detail: [
                  {
                    loc: ["body", "spec", "salts", 0, "concentration"],
                    msg: "Input should be greater than 0",
                    type: "greater_than",
                  },
                  {
                    loc: ["body", "spec"],
                    msg: "Value error, give salt_pairs or box_length, not both",
                    type: "value_error",
                  },
                ],
              },
            }
          : {
              json: {
                ok: true,
                preview: {
                  counts: { "Li+": 20, "PF6-": 20, EC: 90, DMC: 76 },
                  box_length: 32.1,
                  atoms: 2466,
                },
              },
            },
    });
    renderAt("/jobs/new/md");
    const concentration = await screen.findByLabelText("Concentration (mol/L)");
    expect(concentration.getAttribute("name")).toBe("salts.0.concentration");
    fireEvent.change(concentration, { target: { value: "0" } });

    const error = await screen.findByTestId("error-salts.0.concentration", {}, { timeout: 3000 });
    // Said by both, shown once.
    expect(screen.getByTestId("error-salts.0.concentration").textContent).toBe(
      "Input should be greater than 0",
    );
    expect(concentration.getAttribute("aria-invalid")).toBe("true");
    expect(concentration.getAttribute("aria-describedby")).toContain(error.id);
    // The browser finds the concentration at once; the whole-spec message comes from the server.
    expect((await screen.findByTestId("error-general", {}, { timeout: 3000 })).textContent).toBe(
      "give salt_pairs or box_length, not both",
    );
    // Said by both, shown once.
    expect(screen.getByTestId("error-salts.0.concentration").textContent).toBe(
      "Input should be greater than 0",
    );

    invalid = false;
    fireEvent.change(concentration, { target: { value: "1.2" } });
    expect((await screen.findByTestId("count-EC", {}, { timeout: 3000 })).textContent).toBe("90");
    expect(screen.queryByTestId("error-salts.0.concentration")).toBeNull();
    expect(screen.getByTestId("preview-box").textContent).toBe("32.1 Å");
    const last = calls.filter((c) => c.path === "/api/v1/jobs/validate").at(-1)!;
    expect(JSON.parse(last.body).spec.salts).toEqual([{ name: "LiPF6", concentration: 1.2 }]);
  });

  it("sends edited stage lengths and opens the new job", async () => {
    setToken("tok");
    const calls = installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: ME }),
      "GET /api/v1/library": () => ({ json: LIBRARY }),
      "POST /api/v1/jobs/validate": () => ({ json: { ok: true, preview: {} } }),
      "POST /api/v1/jobs": () => ({ status: 201, json: job(42, "PENDING") }),
      "GET /api/v1/jobs/42": () => ({ json: job(42, "PENDING") }),
    });
    renderAt("/jobs/new/md");
    fireEvent.click(await screen.findByLabelText(/Standard/));
    expect((screen.getByLabelText("NVT (ps)") as HTMLInputElement).value).toBe("2000");
    fireEvent.change(screen.getByLabelText("NVT (ps)"), { target: { value: "3000" } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("submit-job"));
    });
    expect(await screen.findByTestId("job-name")).toBeTruthy();
    const submitted = JSON.parse(calls.find((c) => c.method === "POST" && c.path === "/api/v1/jobs")!.body);
    expect(submitted.spec.preset).toBe("standard");
    expect(submitted.spec.stages).toEqual({
      minimize: true,
      npt_ps: 1000,
      anneal_ps: 0,
      anneal_temperature: 400,
      nvt_ps: 3000,
    });
  });
});

describe("priority", () => {
  it("the job form offers only the priorities the account may use", async () => {
    setToken("tok");
    const calls = installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: { ...ME, max_priority: -5 } }),
      "GET /api/v1/library": () => ({ json: LIBRARY }),
      "POST /api/v1/jobs/validate": () => ({ json: { ok: true, preview: {} } }),
      "POST /api/v1/jobs": () => ({ status: 201, json: job(42, "PENDING") }),
      "GET /api/v1/jobs/42": () => ({ json: job(42, "PENDING") }),
    });
    renderAt("/jobs/new/md");
    const select = (await screen.findByLabelText("Priority")) as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe("-5"));
    expect([...select.options].map((o) => o.textContent)).toEqual(["Low"]);
    await act(async () => {
      fireEvent.click(screen.getByTestId("submit-job"));
    });
    await screen.findByTestId("job-name");
    const submitted = JSON.parse(calls.find((c) => c.method === "POST" && c.path === "/api/v1/jobs")!.body);
    expect(submitted.priority).toBe(-5);
  });

  it("an admin changes a job's priority from the job page", async () => {
    setToken("tok");
    let priority = 0;
    const calls = installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: { ...ME, username: "root", role: "ADMIN", max_priority: 5 } }),
      "GET /api/v1/jobs/42": () => ({
        json: { ...job(42, "PENDING"), priority, cluster: "hpc-b", partition: "gpu" },
      }),
      "POST /api/v1/admin/jobs/42/priority": ({ body }) => {
        priority = JSON.parse(body).priority;
        return { json: { ...job(42, "PENDING"), priority } };
      },
    });
    renderAt("/jobs/42");
    expect((await screen.findByTestId("job-route")).textContent).toBe("hpc-b / gpu");
    fireEvent.change(screen.getByLabelText("Priority"), { target: { value: "5" } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("set-priority"));
    });
    const post = calls.find((c) => c.path === "/api/v1/admin/jobs/42/priority")!;
    expect(JSON.parse(post.body)).toEqual({ priority: 5 });
    await waitFor(() => expect(screen.getByText("High (5)", { selector: "dd" })).toBeTruthy());
  });
});

describe("job detail", () => {
  it("shows a clear page for another user's job", async () => {
    setToken("tok");
    installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: ME }),
      "GET /api/v1/jobs/99": () => ({ status: 404, json: { detail: "Job not found" } }),
    });
    renderAt("/jobs/99");
    expect((await screen.findByTestId("not-found")).textContent).toContain("Job not found");
  });

  it("explains a failure in plain words with the log tail and timeline", async () => {
    setToken("tok");
    installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: ME }),
      "GET /api/v1/jobs/5": () => ({
        json: {
          ...job(5, "FAILED"),
          worker: "hpc-login1",
          scheduler_job_id: "123456",
          failure_reason: "TIMEOUT",
          failure_description: "The job ran past its time limit.",
          log_tail: "Step 1000 ...\nDUE TO TIME LIMIT",
          events: [
            { time: "2026-11-29T10:00:00Z", from: null, to: "PENDING", actor: "alice", message: "submitted" },
            {
              time: "2026-11-29T10:00:05Z",
              from: "PENDING",
              to: "CLAIMED",
              actor: "hpc-login1",
              message: null,
            },
            {
              time: "2026-11-29T11:00:05Z",
              from: "RUNNING",
              to: "FAILED",
              actor: "hpc-login1",
              message: "slurm TIMEOUT",
            },
          ],
        },
      }),
      "GET /api/v1/jobs/5/results": () => ({ status: 404, json: { detail: "No results" } }),
    });
    const { container } = renderAt("/jobs/5");
    expect((await screen.findByTestId("failure-reason")).textContent).toBe("TIMEOUT");
    // One current-state badge; the timeline's badges are past states.
    expect([...container.querySelectorAll("[data-state]")].map((e) => e.getAttribute("data-state"))).toEqual([
      "FAILED",
    ]);
    expect(screen.getByTestId("failure-description").textContent).toBe("The job ran past its time limit.");
    expect(screen.getByTestId("log-tail").textContent).toContain("DUE TO TIME LIMIT");
    expect(screen.getByTestId("job-scheduler-id").textContent).toBe("123456");
    expect(screen.getAllByTestId("timeline-event").map((e) => e.getAttribute("data-to"))).toEqual([
      "PENDING",
      "CLAIMED",
      "FAILED",
    ]);
  });
});

describe("language", () => {
  it("switches to Chinese and back", async () => {
    installFakeServer({});
    renderAt("/login");
    fireEvent.click(await screen.findByTestId("language-toggle"));
    expect(screen.getByLabelText("用户名")).toBeTruthy();
    expect(document.documentElement.lang).toBe("zh-CN");
    fireEvent.click(screen.getByTestId("language-toggle"));
    expect(screen.getByLabelText("Username")).toBeTruthy();
  });
});

describe("admin users", () => {
  it("sets a user's limits; an empty field goes back to the server's default", async () => {
    setToken("tok");
    const bob = {
      id: 2,
      username: "bob",
      role: "USER",
      active: true,
      max_running_jobs: 4,
      max_pending_jobs: null,
    };
    const calls = installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: { ...ME, username: "root", role: "ADMIN", max_priority: 5 } }),
      "GET /api/v1/admin/users": () => ({ json: [bob] }),
      "PATCH /api/v1/admin/users/2": ({ body }) => ({ json: { ...bob, ...JSON.parse(body) } }),
    });
    renderAt("/admin/users");
    const form = await screen.findByTestId("limits-form");
    fireEvent.change(screen.getByLabelText("User"), { target: { value: "2" } });
    expect((screen.getByLabelText("Running at once") as HTMLInputElement).value).toBe("4");
    fireEvent.change(screen.getByLabelText("Running at once"), { target: { value: "" } });
    fireEvent.change(screen.getByLabelText("Waiting at once"), { target: { value: "500" } });
    fireEvent.change(screen.getByLabelText("Submissions per minute"), { target: { value: "0" } });
    await act(async () => {
      fireEvent.submit(form);
    });
    const patch = calls.find((c) => c.method === "PATCH")!;
    expect(JSON.parse(patch.body)).toEqual({
      max_running_jobs: null,
      max_pending_jobs: 500,
      max_submissions_per_minute: 0,
    });
    expect(await screen.findByText("Limits of bob saved.")).toBeTruthy();
  });
});
