// Asio compiled once for the whole project (BOOST_ASIO_SEPARATE_COMPILATION): every other
// translation unit only declares it, which keeps builds tolerable on two cores.
#include <boost/asio/impl/src.hpp>
