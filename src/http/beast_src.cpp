// Beast compiled once for the project (BOOST_BEAST_SEPARATE_COMPILATION); Asio's own
// implementation is compiled once in core (src/core/asio_src.cpp).
#include <boost/beast/src.hpp>
