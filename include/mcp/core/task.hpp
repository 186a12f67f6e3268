#pragma once
// Handlers are C++20 coroutines on Asio. Rules (see docs/architecture.md): coroutines take
// parameters by value, coroutine lambdas capture nothing, no braced temporaries inside co_await.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/any_io_executor.hpp>

namespace mcp {
template <class T = void>
using Task = boost::asio::awaitable<T>;
using Executor = boost::asio::any_io_executor;
}  // namespace mcp
