# bpf_object(<name> <source.bpf.c> [DEPENDS headers...])
#
# Compiles bpf/<name>.bpf.c with clang for the BPF target (CO-RE, -g -O2),
# generates <name>.skel.h with `bpftool gen skeleton` (skeleton type
# `struct hl_<name>`, so C++ sees no bare `process` or `sockets` names), and
# exposes it as the INTERFACE target <name>_skel that the agent links to. A function, not a
# macro: nothing it computes leaks into the caller's scope.
function(bpf_object name source)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "" "DEPENDS")

  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    set(bpf_arch x86)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
    set(bpf_arch arm64)
  else()
    message(FATAL_ERROR "bpf_object: no vmlinux.h for ${CMAKE_SYSTEM_PROCESSOR}")
  endif()
  set(vmlinux_dir ${PROJECT_SOURCE_DIR}/vmlinux/${bpf_arch})
  if(NOT EXISTS ${vmlinux_dir}/vmlinux.h)
    message(FATAL_ERROR "bpf_object: ${vmlinux_dir}/vmlinux.h is missing; see vmlinux/README.md")
  endif()

  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/bpf)
  set(obj ${out_dir}/${name}.bpf.o)
  set(skel ${out_dir}/${name}.skel.h)
  get_filename_component(source_abs ${source} ABSOLUTE)

  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_${bpf_arch}
            -Wall -Werror -Wno-unused-function
            -I${vmlinux_dir} -I${PROJECT_SOURCE_DIR}/include -I${PROJECT_SOURCE_DIR}/bpf
            -c ${source_abs} -o ${obj}
    DEPENDS ${source_abs} ${arg_DEPENDS} ${vmlinux_dir}/vmlinux.h
    COMMENT "BPF ${name}.bpf.c"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${BPFTOOL} gen skeleton ${obj} name hl_${name} > ${skel}
    DEPENDS ${obj}
    COMMENT "skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel_gen DEPENDS ${skel})

  add_library(${name}_skel INTERFACE)
  add_dependencies(${name}_skel ${name}_skel_gen)
  target_include_directories(${name}_skel INTERFACE ${out_dir})
  target_link_libraries(${name}_skel INTERFACE PkgConfig::LIBBPF)
endfunction()
