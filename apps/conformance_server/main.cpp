// conformance-server: the "everything server" surface that the official MCP conformance
// suite calls (tool, resource and prompt names fixed by the suite), built on the SDK.
//   conformance-server [--port N]      (PORT from the environment also works; default 3000)
#include <mcp/cluster/shared_state.hpp>
#include <mcp/mcp.hpp>

#include <cstdlib>
#include <iostream>
#include <thread>

namespace {

// A 1x1 red PNG and a minimal (empty, 8 kHz mono) WAV, generated for these fixtures.
constexpr const char* kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";
constexpr const char* kWav = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=";

using mcp::Context;
using mcp::json::object;
using mcp::Task;
using mcp::ToolResult;

mcp::Tool tool(std::string name, std::string description, object schema = {{"type", "object"}}) {
  mcp::Tool t;
  t.name = std::move(name);
  t.description = std::move(description);
  t.input_schema = std::move(schema);
  return t;
}

object string_prop(std::string description) { return {{"type", "string"}, {"description", std::move(description)}}; }

Task<ToolResult> simple_text(object, Context&) {
  co_return ToolResult::text("This is a simple text response for testing.");
}
Task<ToolResult> image(object, Context&) {
  ToolResult r;
  r.add(mcp::image_content(kPng, "image/png"));
  co_return r;
}
Task<ToolResult> audio(object, Context&) {
  ToolResult r;
  r.add(mcp::audio_content(kWav, "audio/wav"));
  co_return r;
}
Task<ToolResult> embedded(object, Context&) {
  ToolResult r;
  r.add(mcp::embedded_text_resource("test://embedded-resource", "text/plain", "This is an embedded resource content."));
  co_return r;
}
Task<ToolResult> mixed(object, Context&) {
  ToolResult r = ToolResult::text("Multiple content types test:");
  r.add(mcp::image_content(kPng, "image/png"));
  r.add(mcp::embedded_text_resource("test://mixed-content-resource", "application/json", R"({"test":"data","value":123})"));
  co_return r;
}
Task<ToolResult> with_logging(object, Context& ctx) {
  co_await ctx.log(mcp::LogLevel::info, "Tool execution started");
  co_await ctx.sleep(std::chrono::milliseconds(50));
  co_await ctx.log(mcp::LogLevel::info, "Tool processing data");
  co_await ctx.sleep(std::chrono::milliseconds(50));
  co_await ctx.log(mcp::LogLevel::info, "Tool execution completed");
  co_return ToolResult::text("Tool with logging executed successfully");
}
Task<ToolResult> with_progress(object, Context& ctx) {
  co_await ctx.progress(0, 100, "Starting");
  co_await ctx.sleep(std::chrono::milliseconds(50));
  co_await ctx.progress(50, 100, "Halfway");
  co_await ctx.sleep(std::chrono::milliseconds(50));
  co_await ctx.progress(100, 100, "Completed");
  co_return ToolResult::text("Tool with progress executed successfully");
}
Task<ToolResult> error_handling(object, Context&) {
  co_return ToolResult::error("This tool intentionally returns an error for testing");
}
Task<ToolResult> reconnection(object, Context& ctx) {
  ctx.close_sse_stream();  // SEP-1699: the client must come back with Last-Event-ID
  co_await ctx.sleep(std::chrono::milliseconds(100));
  co_return ToolResult::text("Reconnection test completed successfully");
}

std::string text_of(const object& message_result) {
  if (auto* c = mcp::find_object(message_result, "content"))
    if (auto t = mcp::find_string(*c, "text")) return std::string(*t);
  return mcp::json::serialize(message_result);
}

Task<ToolResult> sampling(object args, Context& ctx) {
  auto prompt = std::string(mcp::find_string(args, "prompt").value_or(""));
  object params{{"messages", mcp::json::array{object{{"role", "user"},
                                                     {"content", object{{"type", "text"}, {"text", prompt}}}}}},
                {"maxTokens", 100}};
  auto r = co_await ctx.sample(std::move(params));
  if (!r) co_return ToolResult::error("Sampling failed: " + r.error().message);
  co_return ToolResult::text("LLM response: " + text_of(r.value()));
}

Task<ToolResult> elicitation(object args, Context& ctx) {
  auto message = std::string(mcp::find_string(args, "message").value_or("Please provide your information"));
  object schema{{"type", "object"},
                {"properties", object{{"username", string_prop("User's response")},
                                      {"email", string_prop("User's email address")}}},
                {"required", mcp::json::array{"username", "email"}}};
  auto r = co_await ctx.elicit(std::move(message), std::move(schema));
  if (!r) co_return ToolResult::error("Elicitation failed: " + r.error().message);
  auto action = std::string(mcp::find_string(r.value(), "action").value_or(""));
  auto* content = mcp::find(r.value(), "content");
  co_return ToolResult::text("User response: action=" + action +
                             ", content=" + (content ? mcp::json::serialize(*content) : "{}"));
}

Task<ToolResult> elicit_and_report(Context& ctx, std::string message, object schema) {
  auto r = co_await ctx.elicit(std::move(message), std::move(schema));
  if (!r) co_return ToolResult::error("Elicitation failed: " + r.error().message);
  co_return ToolResult::text("Elicitation completed: " + mcp::json::serialize(r.value()));
}

Task<ToolResult> sep1034_defaults(object, Context& ctx) {
  object props{
      {"name", {{"type", "string"}, {"description", "User name"}, {"default", "John Doe"}}},
      {"age", {{"type", "integer"}, {"description", "User age"}, {"default", 30}}},
      {"score", {{"type", "number"}, {"description", "User score"}, {"default", 95.5}}},
      {"status",
       {{"type", "string"}, {"description", "User status"}, {"enum", {"active", "inactive", "pending"}}, {"default", "active"}}},
      {"verified", {{"type", "boolean"}, {"description", "Verification status"}, {"default", true}}}};
  object schema{{"type", "object"}, {"properties", std::move(props)}, {"required", mcp::json::array{}}};
  co_return co_await elicit_and_report(ctx, "Please review and update the form fields with defaults", std::move(schema));
}

Task<ToolResult> sep1330_enums(object, Context& ctx) {
  auto titled = [](const char* v, const char* t) { return object{{"const", v}, {"title", t}}; };
  object props{
      {"untitledSingle",
       {{"type", "string"}, {"description", "Choose one option"}, {"enum", {"option1", "option2", "option3"}}}},
      {"titledSingle",
       {{"type", "string"},
        {"description", "Choose one titled option"},
        {"oneOf", {titled("value1", "First Option"), titled("value2", "Second Option"), titled("value3", "Third Option")}}}},
      {"legacyEnum",
       {{"type", "string"},
        {"description", "Choose one (legacy)"},
        {"enum", {"opt1", "opt2", "opt3"}},
        {"enumNames", {"Option One", "Option Two", "Option Three"}}}},
      {"untitledMulti",
       {{"type", "array"},
        {"description", "Choose several options"},
        {"items", {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}}}},
      {"titledMulti",
       {{"type", "array"},
        {"description", "Choose several titled options"},
        {"items",
         {{"anyOf", {titled("value1", "First Choice"), titled("value2", "Second Choice"), titled("value3", "Third Choice")}}}}}}};
  object schema{{"type", "object"}, {"properties", std::move(props)}, {"required", mcp::json::array{}}};
  co_return co_await elicit_and_report(ctx, "Please select options from the enum fields", std::move(schema));
}

Task<ToolResult> schema_2020_12(object args, Context&) {
  co_return ToolResult::text("JSON Schema 2020-12 tool called with: " + mcp::json::serialize(args));
}

mcp::json::object schema_2020_12_input() {
  return mcp::json::parse(R"({
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": {
      "address": {
        "$anchor": "addressDef",
        "type": "object",
        "properties": {"street": {"type": "string"}, "city": {"type": "string"}}
      }
    },
    "properties": {
      "name": {"type": "string"},
      "address": {"$ref": "#/$defs/address"},
      "contactMethod": {"type": "string", "enum": ["phone", "email"]},
      "phone": {"type": "string"},
      "email": {"type": "string"}
    },
    "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}, {"not": {"required": ["contactMethod"]}}]}],
    "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
    "then": {"required": ["phone"]},
    "else": {},
    "additionalProperties": false
  })").as_object();
}

// --- fixtures of the 2026-07-28 scenarios; each works on the session-based wire too ---

Task<ToolResult> text_result(std::string text) { co_return ToolResult::text(std::move(text)); }

std::string content_text(const object& answer, std::string_view field) {
  if (auto* c = mcp::find_object(answer, "content"))
    if (auto* v = mcp::find(*c, field)) return v->is_string() ? std::string(v->get_string()) : mcp::json::serialize(*v);
  return {};
}

object one_string_schema(const char* name) {
  return {{"type", "object"}, {"properties", {{name, {{"type", "string"}}}}}, {"required", {name}}};
}

Task<ToolResult> missing_capability(object, Context& ctx) {
  if (!ctx.client_supports("sampling"))
    co_return ToolResult::error(ctx.missing_capability({{"sampling", object{}}}).message);
  co_return ToolResult::text("Success");
}

Task<ToolResult> streaming_elicitation(object, Context& ctx) {
  co_await ctx.progress(0, 1, "Asking the user");
  auto r = co_await ctx.elicit("What is your name?", one_string_schema("name"), "user_input");
  if (!r) co_return ToolResult::error("Elicitation failed: " + r.error().message);
  co_return ToolResult::text("Hello, " + content_text(r.value(), "name") + "!");
}

Task<ToolResult> logging_tool(object, Context& ctx) {
  co_await ctx.log(mcp::LogLevel::info, "logging tool ran");
  co_return ToolResult::text("Logged (only if the request asked for a log level)");
}

Task<ToolResult> ir_elicitation(object, Context& ctx) {
  auto r = co_await ctx.elicit("What is your name?", one_string_schema("name"), "user_name");
  if (!r) co_return ToolResult::error("Elicitation failed: " + r.error().message);
  co_return ToolResult::text("Hello, " + content_text(r.value(), "name") + "!");
}

object sampling_params(const char* question, int max_tokens) {
  return {{"messages", {object{{"role", "user"}, {"content", {{"type", "text"}, {"text", question}}}}}},
          {"maxTokens", max_tokens}};
}

Task<ToolResult> ir_sampling(object, Context& ctx) {
  auto r = co_await ctx.sample(sampling_params("What is the capital of France?", 100), "capital_question");
  if (!r) co_return ToolResult::error("Sampling failed: " + r.error().message);
  co_return ToolResult::text("Sampling result: " + text_of(r.value()));
}

Task<ToolResult> ir_list_roots(object, Context& ctx) {
  auto r = co_await ctx.list_roots("client_roots");
  if (!r) co_return ToolResult::error("roots/list failed: " + r.error().message);
  co_return ToolResult::text("Roots: " + mcp::json::serialize(r.value()));
}

object confirm_schema() {
  return {{"type", "object"}, {"properties", {{"ok", {{"type", "boolean"}}}}}, {"required", {"ok"}}};
}

Task<ToolResult> ir_request_state(object, Context& ctx) {
  auto r = co_await ctx.elicit("Confirm to continue", confirm_schema(), "confirm");
  if (!r) co_return ToolResult::error("Elicitation failed: " + r.error().message);
  co_return ToolResult::text("state-ok: confirmed=" + content_text(r.value(), "ok"));
}

Task<ToolResult> ir_multiple_inputs(object, Context& ctx) {
  std::vector<mcp::InputRequest> asks;
  for (auto r : {ctx.elicit_request("What is your name?", one_string_schema("name"), "user_name"),
                 ctx.sample_request(sampling_params("Write a greeting", 50), "greeting"),
                 ctx.list_roots_request("client_roots")}) {
    if (!r) co_return ToolResult::error(r.error().message);
    asks.push_back(std::move(r.value()));
  }
  auto answers = co_await ctx.ask(std::move(asks));
  for (auto& a : answers)
    if (!a) co_return ToolResult::error("Input failed: " + a.error().message);
  co_return ToolResult::text("name=" + content_text(answers[0].value(), "name") +
                             ", greeting=" + text_of(answers[1].value()) +
                             ", roots=" + mcp::json::serialize(answers[2].value()));
}

Task<ToolResult> ir_multi_round(object, Context& ctx) {
  auto name = co_await ctx.elicit("What is your name?", one_string_schema("name"), "step1");
  if (!name) co_return ToolResult::error("Elicitation failed: " + name.error().message);
  auto color = co_await ctx.elicit("What is your favourite colour?", one_string_schema("color"), "step2");
  if (!color) co_return ToolResult::error("Elicitation failed: " + color.error().message);
  co_return ToolResult::text("Hello " + content_text(name.value(), "name") + ", your favourite colour is " +
                             content_text(color.value(), "color"));
}

// Asks only for what the client declared it can answer.
Task<ToolResult> ir_capabilities(object, Context& ctx) {
  std::vector<mcp::InputRequest> asks;
  if (ctx.client_supports("elicitation"))
    if (auto r = ctx.elicit_request("What is your name?", one_string_schema("name"), "user_name")) asks.push_back(r.value());
  if (ctx.client_supports("sampling"))
    if (auto r = ctx.sample_request(sampling_params("Say hello", 50), "greeting")) asks.push_back(r.value());
  if (ctx.client_supports("roots"))
    if (auto r = ctx.list_roots_request("client_roots")) asks.push_back(r.value());
  if (asks.empty()) co_return ToolResult::text("The client declared no capability to ask with");
  auto answers = co_await ctx.ask(std::move(asks));
  co_return ToolResult::text("Received " + std::to_string(answers.size()) + " answers");
}

Task<ToolResult> header_param(object args, Context&) {
  co_return ToolResult::text("region=" + std::string(mcp::find_string(args, "region").value_or("")));
}

// --- task fixtures (the 2026 tasks extension) ---

mcp::Tool task_tool(std::string name, std::string description, const char* support, object schema = {{"type", "object"}}) {
  mcp::Tool t = tool(std::move(name), std::move(description), std::move(schema));
  t.execution = {{"taskSupport", support}};
  return t;
}

Task<ToolResult> greet(object args, Context&) {
  co_return ToolResult::text("Hello, " + std::string(mcp::find_string(args, "name").value_or("world")) + "!");
}

Task<ToolResult> slow_compute(object args, Context& ctx) {
  double seconds = 0;
  if (auto* s = mcp::find(args, "seconds")) seconds = mcp::as_number(*s).value_or(0);
  auto label = std::string(mcp::find_string(args, "label").value_or("job"));
  if (!co_await ctx.sleep(std::chrono::milliseconds(static_cast<long>(seconds * 1000))))
    co_return ToolResult::error("Cancelled: " + label);
  co_return ToolResult::text("Computed " + label + " in " + mcp::json::serialize(mcp::json::value(seconds)) + " s");
}

Task<ToolResult> failing_job(object, Context& ctx) {
  co_await ctx.sleep(std::chrono::seconds(1));
  co_return ToolResult::error("The job failed (as designed for testing)");
}

Task<ToolResult> protocol_error_job(object, Context& ctx) {
  co_await ctx.sleep(std::chrono::milliseconds(200));
  throw mcp::ProtocolError{mcp::Error{mcp::errc::kInternalError, "The job hit a protocol error (as designed)", {}}};
}

Task<ToolResult> confirm_delete(object args, Context& ctx) {
  auto file = std::string(mcp::find_string(args, "filename").value_or("file"));
  object schema{{"type", "object"}, {"properties", {{"confirm", {{"type", "boolean"}}}}}, {"required", {"confirm"}}};
  auto r = co_await ctx.elicit("Delete " + file + "?", std::move(schema), "confirm");
  if (!r) co_return ToolResult::error("No confirmation: " + r.error().message);
  co_return ToolResult::text("Deleted " + file + " (confirm=" + content_text(r.value(), "confirm") + ")");
}

Task<ToolResult> multi_input(object, Context& ctx) {
  std::vector<mcp::InputRequest> asks;
  for (auto r : {ctx.elicit_request("First name?", one_string_schema("first"), "first_name"),
                 ctx.elicit_request("Last name?", one_string_schema("last"), "last_name")}) {
    if (!r) co_return ToolResult::error(r.error().message);
    asks.push_back(std::move(r.value()));
  }
  auto a = co_await ctx.ask(std::move(asks));
  if (!a[0] || !a[1]) co_return ToolResult::error("Inputs missing");
  co_return ToolResult::text("Hello " + content_text(a[0].value(), "first") + " " + content_text(a[1].value(), "last"));
}

// Asks synchronously (multi round-trip), then continues as a task.
Task<ToolResult> tool_with_task(object, Context& ctx) {
  auto r = co_await ctx.elicit("What is your name?", one_string_schema("name"), "user_name");
  if (!r) co_return ToolResult::error("Elicitation failed: " + r.error().message);
  co_await ctx.start_task();
  co_await ctx.sleep(std::chrono::milliseconds(200));
  co_return ToolResult::text("Hello, " + content_text(r.value(), "name") + "! (from a task)");
}

Task<mcp::Result<mcp::json::array>> read_text(std::string uri, std::string mime, std::string text) {
  co_return mcp::json::array{object{{"uri", uri}, {"mimeType", mime}, {"text", text}}};
}

// A tool that sends notifications/<kind>/list_changed.
mcp::ToolHandler list_changed(mcp::Server& s, std::string kind) {
  return [&s, kind](object, Context&) {
    s.notify_list_changed(kind);
    return text_result(kind + "/list_changed sent");
  };
}

void register_all(mcp::Server& s) {
  s.add_tool(tool("test_simple_text", "Tests simple text content response"), simple_text);
  s.add_tool(tool("test_image_content", "Tests image content response"), image);
  s.add_tool(tool("test_audio_content", "Tests audio content response"), audio);
  s.add_tool(tool("test_embedded_resource", "Tests embedded resource content response"), embedded);
  s.add_tool(tool("test_multiple_content_types", "Tests response with multiple content types (text, image, resource)"),
             mixed);
  s.add_tool(tool("test_tool_with_logging", "Tests tool that emits log messages during execution"), with_logging);
  s.add_tool(tool("test_tool_with_progress", "Tests tool that reports progress notifications"), with_progress);
  s.add_tool(tool("test_error_handling", "Tests error response handling"), error_handling);
  s.add_tool(tool("test_reconnection", "Tests SSE stream disconnection and client reconnection (SEP-1699)"),
             reconnection);
  s.add_tool(tool("test_sampling", "Tests server-initiated sampling (LLM completion request)",
                  {{"type", "object"},
                   {"properties", {{"prompt", string_prop("The prompt to send to the LLM")}}},
                   {"required", {"prompt"}}}),
             sampling);
  s.add_tool(tool("test_elicitation", "Tests server-initiated elicitation (user input request)",
                  {{"type", "object"},
                   {"properties", {{"message", string_prop("The message to show the user")}}},
                   {"required", {"message"}}}),
             elicitation);
  s.add_tool(tool("test_elicitation_sep1034_defaults", "Tests elicitation with default values for all primitive types (SEP-1034)"),
             sep1034_defaults);
  s.add_tool(tool("test_elicitation_sep1330_enums", "Tests elicitation with enum schema improvements (SEP-1330)"),
             sep1330_enums);
  s.add_tool(tool("json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features (preserved as given)",
                  schema_2020_12_input()),
             schema_2020_12);

  s.add_tool(tool("test_missing_capability", "Needs the client's sampling capability (-32021 without it)"),
             missing_capability);
  s.add_tool(tool("test_streaming_elicitation", "Reports progress, then asks the user's name"), streaming_elicitation);
  s.add_tool(tool("test_logging_tool", "Logs one message (only sent when the request asks for logs)"), logging_tool);
  s.add_tool(tool("test_trigger_tool_change", "Sends notifications/tools/list_changed"), list_changed(s, "tools"));
  s.add_tool(tool("test_trigger_prompt_change", "Sends notifications/prompts/list_changed"), list_changed(s, "prompts"));
  s.add_tool(tool("test_input_required_result_elicitation", "Asks the user's name (input user_name)"), ir_elicitation);
  s.add_tool(tool("test_input_required_result_sampling", "Asks the client's LLM a question"), ir_sampling);
  s.add_tool(tool("test_input_required_result_list_roots", "Asks for the client's roots"), ir_list_roots);
  s.add_tool(tool("test_input_required_result_request_state", "Asks for a confirmation across a round trip"),
             ir_request_state);
  s.add_tool(tool("test_input_required_result_multiple_inputs", "Asks for three inputs at once"), ir_multiple_inputs);
  s.add_tool(tool("test_input_required_result_multi_round", "Asks two questions in two rounds"), ir_multi_round);
  s.add_tool(tool("test_input_required_result_tampered_state", "Asks for a confirmation; state is integrity-protected"),
             ir_request_state);
  s.add_tool(tool("test_input_required_result_capabilities", "Asks only with the capabilities the client declared"),
             ir_capabilities);
  s.add_tool(tool("test_header_param", "Echoes a parameter mirrored in the Mcp-Param-Region header",
                  {{"type", "object"},
                   {"properties", {{"region", {{"type", "string"}, {"description", "Region"}, {"x-mcp-header", "Region"}}}}},
                   {"required", {"region"}}}),
             header_param);

  s.add_tool(task_tool("greet", "Greets by name (never a task)", "forbidden",
                       {{"type", "object"}, {"properties", {{"name", string_prop("Who to greet")}}}, {"required", {"name"}}}),
             greet);
  s.add_tool(task_tool("slow_compute", "Sleeps for `seconds`, then answers; may run as a task", "optional",
                       {{"type", "object"},
                        {"properties", {{"seconds", {{"type", "number"}, {"minimum", 0}, {"maximum", 3600}}},
                                        {"label", string_prop("A label for the job")}}}}),
             slow_compute);
  s.add_tool(task_tool("failing_job", "Runs only as a task and ends with a tool error", "required"), failing_job);
  s.add_tool(task_tool("protocol_error_job", "A task that fails with a protocol error", "optional"),
             protocol_error_job);
  s.add_tool(task_tool("confirm_delete", "Asks for confirmation (as a task, through tasks/update)", "optional",
                       {{"type", "object"}, {"properties", {{"filename", string_prop("File to delete")}}}}),
             confirm_delete);
  s.add_tool(task_tool("multi_input", "Asks two questions at once", "optional"), multi_input);
  {
    auto t = task_tool("test_tool_with_task", "Asks a question, then runs as a task", "required");
    t.task_starts_in_handler = true;
    s.add_tool(std::move(t), tool_with_task);
  }

  s.add_resource({.uri = "test://static-text", .name = "Static Text Resource",
                  .description = "A static text resource for testing", .mime_type = "text/plain"},
                 [](std::string uri, Context&) {
                   return read_text(uri, "text/plain", "This is the content of the static text resource.");
                 });
  s.add_resource({.uri = "test://static-binary", .name = "Static Binary Resource",
                  .description = "A static binary resource (image) for testing", .mime_type = "image/png"},
                 [](std::string uri, Context&) -> Task<mcp::Result<mcp::json::array>> {
                   co_return mcp::json::array{object{{"uri", uri}, {"mimeType", "image/png"}, {"blob", kPng}}};
                 });
  s.add_resource({.uri = "test://watched-resource", .name = "Watched Resource",
                  .description = "A resource that can be subscribed to for updates", .mime_type = "text/plain"},
                 [](std::string uri, Context&) { return read_text(uri, "text/plain", "Watched resource content"); });
  s.add_resource_template({.uri_template = "test://template/{id}/data", .name = "Template Resource",
                           .description = "A resource template with a parameter", .mime_type = "application/json"},
                          [](std::string uri, mcp::UriVariables vars, Context&) {
                            const std::string& id = vars["id"];
                            object data{{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}};
                            return read_text(uri, "application/json", mcp::json::serialize(data));
                          });

  s.add_prompt({.name = "test_simple_prompt", .description = "A simple prompt without arguments"},
               [](mcp::PromptArguments, Context&) -> Task<mcp::Result<object>> {
                 co_return object{{"messages", {object{{"role", "user"},
                                                       {"content", mcp::text_content("This is a simple prompt for testing.")}}}}};
               });
  s.add_prompt({.name = "test_prompt_with_arguments",
                .description = "A prompt with required arguments",
                .arguments = {{.name = "arg1", .description = "First test argument", .required = true},
                              {.name = "arg2", .description = "Second test argument", .required = true}}},
               [](mcp::PromptArguments a, Context&) -> Task<mcp::Result<object>> {
                 std::string text = "Prompt with arguments: arg1='" + a["arg1"] + "', arg2='" + a["arg2"] + "'";
                 co_return object{{"messages", {object{{"role", "user"}, {"content", mcp::text_content(text)}}}}};
               });
  s.add_prompt({.name = "test_prompt_with_embedded_resource",
                .description = "A prompt that includes an embedded resource",
                .arguments = {{.name = "resourceUri", .description = "URI of the resource to embed", .required = true}}},
               [](mcp::PromptArguments a, Context&) -> Task<mcp::Result<object>> {
                 object resource = mcp::embedded_text_resource(a["resourceUri"], "text/plain",
                                                               "Embedded resource content for testing.");
                 co_return object{
                     {"messages",
                      {object{{"role", "user"}, {"content", resource}},
                       object{{"role", "user"}, {"content", mcp::text_content("Please process the embedded resource above.")}}}}};
               });
  s.add_prompt({.name = "test_prompt_with_image", .description = "A prompt that includes an image"},
               [](mcp::PromptArguments, Context&) -> Task<mcp::Result<object>> {
                 co_return object{
                     {"messages",
                      {object{{"role", "user"}, {"content", mcp::image_content(kPng, "image/png")}},
                       object{{"role", "user"}, {"content", mcp::text_content("Please analyze the image above.")}}}}};
               });

  s.add_resource({.uri = "test://stateless-static-text", .name = "Stateless Static Text",
                  .description = "A static text resource for the stateless wire", .mime_type = "text/plain"},
                 [](std::string uri, Context&) {
                   return read_text(uri, "text/plain", "This is static text served without a session.");
                 });
  s.add_prompt({.name = "test_input_required_result_prompt", .description = "A prompt that first asks for context"},
               [](mcp::PromptArguments, Context& ctx) -> Task<mcp::Result<object>> {
                 auto r = co_await ctx.elicit("What context should the prompt use?", one_string_schema("context"),
                                              "user_context");
                 if (!r) co_return r.error();
                 co_return object{{"messages", {object{{"role", "user"},
                                                       {"content", mcp::text_content("Context: " +
                                                                                     content_text(r.value(), "context"))}}}}};
               });
  s.set_completion_handler([](object, std::string, std::string, object) -> Task<mcp::Result<std::vector<std::string>>> {
    co_return std::vector<std::string>{};
  });
}

}  // namespace

int main(int argc, char** argv) {
  mcp::HttpOptions http;
  http.port = 3000;
  if (const char* p = std::getenv("PORT")) http.port = static_cast<std::uint16_t>(std::atoi(p));
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << "usage: conformance-server [--port N] [--host H]\n"
                   "Serves the MCP conformance suite's everything-server surface on http://H:N/mcp\n"
                   "MCPBRIDGE_REDIS_URL=redis://...: one of several replicas sharing sessions through Redis\n"
                   "MCPBRIDGE_DRAIN_S=N: after SIGTERM, requests in progress may take N s to finish (default 30)\n";
      return 0;
    }
    if (i + 1 < argc && arg == "--port") http.port = static_cast<std::uint16_t>(std::atoi(argv[++i]));
    else if (i + 1 < argc && arg == "--host") http.host = argv[++i];
    else {
      std::cerr << "conformance-server: unknown argument " << arg << "\n";
      return 2;
    }
  }
  if (const char* d = std::getenv("MCPBRIDGE_DRAIN_S"); d && *d) http.drain_timeout = std::chrono::seconds(std::atoi(d));
  // Several replicas of this server behind one balancer share sessions through Redis.
  if (const char* r = std::getenv("MCPBRIDGE_REDIS_URL"); r && *r) {
    mcp::cluster::RedisOptions o;
    o.url = r;
    http.shared = mcp::cluster::make_redis_shared_state(std::move(o));
  }
  mcp::Server server({.info = {.name = "mcp-conformance-test-server", .version = "1.0.0"}});
  register_all(server);
  return mcp::serve(server, http);
}
