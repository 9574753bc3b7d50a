// tests/compile_out/main.cpp -- runs app.cpp's entry points, as a server loop or a game loop in
// another translation unit would. Not part of the comparison: check_compile_out.sh links it with
// each build of app.cpp and checks that both programs print the same thing.

#include <cstdio>
#include <string_view>

struct header {
  std::string_view name;
  std::string_view value;
};
struct request {
  std::string_view method;
  std::string_view path;
  header headers[4];
  int header_count = 0;
  std::string_view get(std::string_view name) const;  // not called here
};
struct job {
  int id;
  std::string_view sentry_trace;
  std::string_view baggage;
};

bool app_start();
void app_stop();
int handle_request(const request& req);
int process_job(const job& j);
float game_frame(int frame_index, float dt);

int main() {
  if (!app_start()) return 2;
  const request requests[] = {
      {"GET", "/orders/41", {{"sentry-trace", "771a43a4192642f0b136d5159a501700-b7ad6b7169203331-1"}}, 1},
      {"GET", "/orders/7", {{"baggage", "sentry-sample_rand=0.5"}}, 1},
  };
  int ok = 0;
  for (const request& req : requests) ok += handle_request(req) == 200 ? 1 : 0;
  const job jobs[] = {{14, "771a43a4192642f0b136d5159a501700-b7ad6b7169203331-1", "sentry-sample_rand=0.5"},
                      {15, {}, {}}};
  int job_result = 0;
  for (const job& j : jobs) job_result += process_job(j);
  float total = 0.0f;
  for (int i = 0; i < 3; ++i) total += game_frame(i, 0.016f);
  app_stop();
  std::printf("ok %d, jobs %d, total %.2f\n", ok, job_result, static_cast<double>(total));
  return ok == 1 ? 0 : 1;
}
