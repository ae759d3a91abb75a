import { HttpRequestInterceptor } from "@mswjs/interceptors/http";
import { HttpResponse, http } from "msw";
import { defineNetwork, InterceptorSource } from "msw/experimental";
import { dropHeader } from "./app.ts";

interface Cloud {
  fetch(request: Request): Promise<Response>;
}

/** msw handlers that answer every request under `baseUrl` from the in-process emulator. */
function mockCloudHandlers(cloud: Cloud, baseUrl: string) {
  const base = baseUrl.replace(/\/+$/, "");
  return [
    http.all(`${base}/*`, async ({ request }) => {
      const res = await cloud.fetch(request);
      return res.headers.get(dropHeader) ? HttpResponse.error() : res;
    }),
  ];
}

/**
 * Intercepts HTTP at the socket level in this process (msw's network source with the
 * @mswjs/interceptors HTTP interceptor), so undici's `request()` and `fetch()`, node:http and
 * global fetch all reach the in-process emulator for `baseUrl`; other hosts are refused.
 */
export async function mockCloudNetwork(cloud: Cloud, baseUrl: string) {
  const network = defineNetwork({
    sources: [new InterceptorSource({ interceptors: [new HttpRequestInterceptor()] })],
    handlers: mockCloudHandlers(cloud, baseUrl),
    onUnhandledFrame: "error",
    context: { quiet: true },
  });
  await network.enable();
  return { network, close: async () => void (await network.disable()) };
}
