// Asio's OpenSSL glue compiled once (BOOST_ASIO_SEPARATE_COMPILATION), for the outbound client.
#include <boost/asio/ssl/impl/src.hpp>
