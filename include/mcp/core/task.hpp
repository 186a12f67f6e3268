#pragma once
// Handlers are C++20 coroutines on Asio. Rules (see docs/architecture.md): coroutines take
// parameters by value, coroutine lambdas capture nothing, no braced temporaries inside co_await,
// and no temporaries from a conditional expression there either (`co_await f(c ? a : "")`:
// GCC 12 destroys the temporary twice, a double free at run time) — name them first.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/any_io_executor.hpp>

namespace mcp {
template <class T = void>
using Task = boost::asio::awaitable<T>;
using Executor = boost::asio::any_io_executor;
}  // namespace mcp
